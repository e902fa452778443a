"""Visible self-checks for the exercises: ``ex01.relu.check()``, ``ex01.relu.hint()``.

Each check runs the learner's function on the worked examples and on
properties any right answer has (shapes, types, ReLU's zeros, finite
differences), and says what is wrong without revealing the answer. They run
in the learner's own kernel and never raise: a broken function gets a
message, not a traceback. Passing them is a good sign, not a grade: the
grader tries fresh random cases.
"""
