"""Tests of sigstack.core.note: signed notes, checkpoints, cosignatures."""
