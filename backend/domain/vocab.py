"""The enumerations of docs/contract.md, "The concern": one place, used by schemas and models."""

from __future__ import annotations

from enum import Enum


class Setting(str, Enum):
    """Where the recorder met the child (docs/contract.md ``setting``)."""

    PATROL = "patrol"
    SCHOOL = "school"
    HEALTH = "health"
    CARE_HOME = "care_home"
    SOCIAL_CARE = "social_care"
    YOUTH_JUSTICE = "youth_justice"
    OTHER = "other"


class Level(str, Enum):
    """Level of concern, always with a written rationale (docs/domain/routing.md)."""

    INFORMATION = "information"
    EARLY_HELP = "early_help"
    CHILD_IN_NEED = "child_in_need"
    SIGNIFICANT_HARM = "significant_harm"
    IMMEDIATE_DANGER = "immediate_danger"


CATEGORIES = (
    "sexual_exploitation",
    "criminal_exploitation",
    "financial_exploitation",
    "trafficking",
    "online_sexual_abuse",
    "sexual_abuse_in_family",
    "physical_abuse",
    "neglect",
    "emotional_abuse",
    "domestic_abuse",
    "missing",
    "harmful_sexual_behaviour",
    "self_harm",
    "substance_harm",
    "fgm_honour_forced_marriage",
    "radicalisation",
    "other",
)
SOURCES = ("disclosure", "observed", "reported_by_other", "professional_concern")
INDICATORS = (
    "injuries",
    "sexual_health",
    "pregnancy",
    "self_harm",
    "substance_misuse",
    "appearance_change",
    "learning_disability",
    "harmful_sexual_behaviour",
    "school_absence",
    "offending",
    "behaviour_change",
    "sexualised_language",
    "cars_with_unknown_adults",
    "exploitation_hotspot",
    "phone_use",
    "unexplained_gifts_money",
    "adult_of_concern",
    "links_to_exploited_children",
    "hotels_takeaways_taxis",
    "taken_to_other_towns",
    "missing_episode",
    "found_far_from_home",
    "found_with_unknown_adults",
    "online_contact_adults",
    "images_requested_or_shared",
    "disclosure",
)
PRESENT = ("yes", "possible")
BASIS = ("observed", "reported", "opinion", "gut_feeling")
SEX = ("female", "male", "other", "unknown")
LEGAL_STATUS = (
    "none_known",
    "early_help",
    "child_in_need",
    "child_protection_plan",
    "looked_after",
    "care_leaver",
    "unknown",
)
POLICE_RISK = ("no_apparent_risk", "low", "medium", "high")
ASSOCIATED_KINDS = (
    "adult_of_concern",
    "peer",
    "carer",
    "vehicle",
    "phone",
    "location",
    "online_account",
)
ACTIONS = (
    "emergency_services_called",
    "police_protection",
    "place_of_safety",
    "medical_care",
    "taken_home",
    "none",
    "other",
)
CONSENT = ("given", "refused", "not_sought")
NOT_SOUGHT_REASONS = ("risk_to_child", "delay", "evidence_loss", "risk_to_others", "lacks_capacity")
# The return home interview (docs/contract.md, "Return interview").
RETURN_OUTCOMES = ("held", "declined", "not_reached")
# A suspicion: what it rests on, and how its owner answered it (docs/contract.md).
SUSPICION_BASES = ("observed", "reported", "pattern", "gut_feeling")
SUSPICION_OUTCOMES = ("investigating", "no_action", "joined_to_alert")
PUSH_FACTORS = ("conflict_at_home", "placement", "bullying", "school", "peer_pressure", "other")
PULL_FACTORS = (
    "friends",
    "relationship",
    "gifts_money_substances",
    "adults_of_concern",
    "family",
    "other",
)
