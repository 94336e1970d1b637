"""The penalty for a late payment (process 4): ``calculator`` computes the interest of art. 395 or a
contract's penalty from data alone; ``service`` reads the key-rate table for it, as the API and the
claim letter ask."""
