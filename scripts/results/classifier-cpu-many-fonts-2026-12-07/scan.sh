. /work/main/.venv/bin/activate
cd /tmp/s38
/usr/bin/time -f "full %e s, peak %M KB" fontsynth fonts scan /tmp/fl -o fl-full.json --recheck --workers 2 --no-progress --json
cp fl-full.json fl-inc.json
/usr/bin/time -f "unchanged %e s, peak %M KB" fontsynth fonts scan /tmp/fl -o fl-inc.json --workers 2 --no-progress --json
python3 - <<'PY'
import json
full = json.load(open("fl-full.json"))
keep = [f for f in full["fonts"] if not f["path"].startswith("fonts-dejavu") and not f["path"].startswith("fonts-noto-core")]
full2 = dict(full, fonts=keep)
json.dump(full2, open("fl-gain.json", "w"))
print("dropped entries", len(full["fonts"]) - len(keep))
PY
/usr/bin/time -f "gained %e s, peak %M KB" fontsynth fonts scan /tmp/fl -o fl-gain.json --workers 2 --no-progress --json
python3 - <<'PY'
import json
full = json.load(open("fl-full.json"))
for name in ("fl-inc.json", "fl-gain.json"):
    other = json.load(open(name))
    print(name, "same fonts:", other["fonts"] == full["fonts"], "same file:", open(name, "rb").read() == open("fl-full.json", "rb").read())
PY
echo done
