"""Directory: the network's places and local actors."""
