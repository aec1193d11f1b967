"""Exporters: one module per target family; a registry maps format names to them.

The format modules load on the first look at the registry (``registry()``), not when this
package is imported: reading a result document needs none of them.
"""
