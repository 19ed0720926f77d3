"""Chinese TF-IDF matcher for challenges, capabilities, experts and search."""
