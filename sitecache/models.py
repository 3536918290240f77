"""The site cache keeps nothing in the database.

This module makes `sitecache` an app with models for Django, so `migrate` (every
release runs it) sends it `post_migrate`: see SitecacheConfig.ready().
"""
