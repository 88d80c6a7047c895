print("tensord-bench: engine | http | train")
