from wizard.launch import main

main()
