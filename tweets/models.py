"""Models of the tweets app."""
