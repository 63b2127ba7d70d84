cd /tmp/x && . /work/main/.venv/bin/activate
P=/tmp/rp/ocv/usr/share/doc/opencv-doc/examples/text
python /work/main/scripts/real_photos.py --photos $P --brush b-own-style --fonts f44 --classifier c10-0 --match-by specimens --pairs p-std-test --limit 300 --loose 0 --out rp-spec > rp-spec.log 2>&1
python /work/main/scripts/real_photos.py --photos $P --brush b-own-s1 --fonts f44 --classifier c10-0 --match-by specimens --pairs p-std-test --limit 300 --loose 0 --out rp-spec-s1 > rp-spec-s1.log 2>&1
echo PHOTOS
