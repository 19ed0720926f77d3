"""Explained recommendations from the live match index, one module per concern:

- `items`: what a recommendation is (Item), this request's index, and the rows of the hits;
- `shared_terms`: why a hit is shown: the real words it shares, never filler, numbers or fragments;
- `audience`: who may be shown which documents, and which words of a summary-only listing;
- `candidates`: capabilities for a challenge (by institution), challenges for an institution,
  reviewers for a proposal;
- `duplicates`: similar challenges, their similarity, and the admins' duplicates report;
- `search`: ranked site search over one kind of listing, or over challenges by visibility.

Feedback on recommendations lives beside this package, in `services/recommend_feedback.py`.
"""
