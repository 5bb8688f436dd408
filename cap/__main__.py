from cap.cli import main

raise SystemExit(main())
