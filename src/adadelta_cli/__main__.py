from adadelta_cli.cli.app import main

main()
