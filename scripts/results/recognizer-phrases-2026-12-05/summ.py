import json, sys
for r in sys.argv[1:]:
    for d in ["rw-default-heldout", "rw-clean", "rwv7", "rw-new-heldout", "rwv7-new", "rwv7-short", "rwv7-phrases"]:
        try:
            j = json.load(open(f"{r}-{d}.json"))
        except FileNotFoundError:
            continue
        w = j["by_effect"].get("words", {})
        L = j["by_effect"]["length"]
        ws = " ".join(f"w{k}:{v['accuracy']:.1%}(n={v['n']})" for k, v in w.items())
        print(f"{r:8s} {d:20s} acc {j['word_accuracy']:.2%} cer {j['cer']:.4f} 15+ {L.get('15+',{}).get('accuracy',0):.1%}(n={L.get('15+',{}).get('n',0)}) {ws}")
