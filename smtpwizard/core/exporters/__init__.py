"""Exporters: one module per target family; a registry maps format names to them."""
