from lawtrail.cli import main

raise SystemExit(main())
