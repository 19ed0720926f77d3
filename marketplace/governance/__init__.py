"""The governance hub (产业链治理, /governance/): every page of the 链长制 for the chains a user may read."""
