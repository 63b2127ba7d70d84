import sys, runpy
import brush.contents as bc
n = int(sys.argv[1]); bc.SPECIMENS = n
sys.argv = ["font_matching.py", "--classifier", "c10-0", "--fonts", "f44", "--data", sys.argv[2], "--limit", "1000", "--by", "specimens", "--out", f"fm-n{n}-{sys.argv[3]}.json"]
runpy.run_path("/work/main/scripts/font_matching.py", run_name="__main__")
