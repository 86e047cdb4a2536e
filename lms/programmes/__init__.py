"""Programmes, cohorts, instructors' assignments and trainees' enrolments."""
