"""The REST API under /api/v1/ (issue 5): thin views over services and selectors."""
