"""marshmallow 4 schemas, used only at the wire; one module per resource."""
