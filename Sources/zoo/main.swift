import ZooCLI

Zoo.run()
