"""The projects plugin's tables: coursework (projects, submissions, attempts) and grading (rubrics, assessments),
portfolios and careers (employers, interests)."""
from projects.models.coursework import (Attempt, AttemptItem, Deliverable, DeliverableKind, DraftItem, Extension,
                                        Project, ProjectStatus, Submission, SubmissionStatus, Team, TeamMember)
from projects.models.grading import (Adjustment, Assessment, AssessmentChange, AssessmentKind, MarkingStatus, Rubric,
                                     RubricVersion, TimedComment)
from projects.models.portfolio import (Completion, Portfolio, PortfolioCompetency, PortfolioItem, PortfolioView,
                                       ShareLink, Visibility)
from projects.models.careers import Employer, EmployerStatus, Interest, InterestEvent, InterestStatus

__all__ = ["Adjustment", "Assessment", "AssessmentChange", "AssessmentKind", "Attempt", "AttemptItem", "Deliverable",
           "DeliverableKind", "DraftItem", "Extension", "MarkingStatus", "Project", "ProjectStatus", "Rubric",
           "RubricVersion", "Submission", "SubmissionStatus", "Team", "TeamMember", "TimedComment",
           "Completion", "Portfolio", "PortfolioCompetency", "PortfolioItem", "PortfolioView", "ShareLink",
           "Visibility", "Employer", "EmployerStatus", "Interest", "InterestEvent", "InterestStatus"]
