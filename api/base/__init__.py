"""The platform's API layer: the base serializer and viewset every model's API starts
from, and the API of the cross-cutting features (workflows, tags, custom field
definitions). It reads the feature registry (core.registry) and brings each feature a
model has; it may import core, rbac and audit, and no app."""
