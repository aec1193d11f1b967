"""The engine: discovery, probing, diagnosis and export, without any Qt import."""
