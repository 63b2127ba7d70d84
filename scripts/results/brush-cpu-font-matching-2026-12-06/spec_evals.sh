cd /tmp/x && . /work/main/.venv/bin/activate
brush eval b-own-style --data p-std-test --limit 500 --json --out e-spec --classifier c10-1 --match-font c10-0 --match-by specimens --fonts f44 --no-progress > e-spec.json 2> e-spec.err
brush eval b-own-s1 --data p-std-test --limit 500 --json --out e-spec-s1 --classifier c10-1 --match-font c10-0 --match-by specimens --fonts f44 --no-progress > e-spec-s1.json 2> e-spec-s1.err
echo SPEC
