"""The three services of the product."""
