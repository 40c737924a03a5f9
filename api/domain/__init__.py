"""The pure domain: business rules of career pathway systems, standard library only."""
