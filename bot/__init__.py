"""TP customer-service assistant."""
