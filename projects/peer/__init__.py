"""Peer assessment: trainees review each other's work by the rubric, after calibrating on examples.

The pure core comes first: :mod:`projects.peer.allocation` (who reviews whose work) and
:mod:`projects.peer.arithmetic` (peer marks, the grade for assessing, weights, the flexible threshold).
"""
