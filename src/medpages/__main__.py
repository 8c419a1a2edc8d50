from medpages.cli import main

main()
