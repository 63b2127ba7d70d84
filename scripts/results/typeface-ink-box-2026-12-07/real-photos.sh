# session 41: the two recognizer arms (recognizer.sh) on the 49 words of OpenCV's scene-text photos
apt-get download opencv-doc && dpkg-deb -x opencv-doc_*.deb /tmp/opencv-doc
for m in base ink; do
  python scripts/real_photos.py --photos /tmp/opencv-doc/usr/share/doc/opencv-doc/examples/text --recognizer r-$m \
      --loose -0.2 -0.1 0 0.1 0.25 0.5 --out real-r-$m
done
