"""Printable official documents: routes that hand out a service's `Document` as an A4 PDF."""
