from mrt.cli import main

main()
