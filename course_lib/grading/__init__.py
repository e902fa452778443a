"""Graded exercises: release student copies from solutions/, and grade submissions safely.

``python -m course_lib.grading release`` and ``python -m course_lib.grading grade``; see
docs/INSTRUCTORS.md. Nothing here is imported by ``import course_lib``.
"""
