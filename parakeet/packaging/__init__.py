"""Reproducible Lambda artifacts, built step by step (see ``docs/lambda.md``).

``lockfile`` resolves exact versions from ``uv.lock``; ``tags`` checks wheels fit the Lambda
platform; ``wheels`` fetches them (or takes them from a wheelhouse); ``install`` unpacks them;
``prune`` drops what Lambda never needs; ``compile`` byte-compiles; ``archive`` writes a
byte-reproducible zip; ``manifest`` describes it; ``budget`` enforces the size limits; and
``build`` runs the steps in order for ``manage.py package``.
"""
