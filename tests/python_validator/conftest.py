"""Puts validator/python on sys.path so the suite runs from a source tree without installing."""
import os
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "validator", "python"))
