"""Diagnosis: turns what the probes recorded into findings, a ranking and a verdict, in
plain words (the probe stage records facts only).
"""
