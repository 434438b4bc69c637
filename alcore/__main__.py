import sys

from alcore.cli import main

sys.exit(main())
