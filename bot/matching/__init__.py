"""Matching a business (sector, region, needs) to the CITE services that fit."""
