"""python -m brush: the brush command line (torchrun -m brush train ...)."""

from brush.cli import main

main()
