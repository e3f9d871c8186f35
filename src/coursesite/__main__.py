from coursesite.cli import main

main()
