"""The pieces behind ``parakeet.lambda_handler``: one module per event kind.

``events`` recognises an event, ``http`` answers API Gateway / ALB through apig-wsgi,
``stage`` fixes paths behind an API Gateway stage, ``commands`` runs allow-listed management
commands, ``tasks`` runs ``django.tasks`` tasks. Each is usable and testable on its own.
"""
