"""Names and vocabularies the generated population draws on, most frequent first."""

GIRLS = [
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia",
    "Grace", "Freya", "Ella", "Chloe", "Zoe", "Amira", "Aisha", "Maya", "Ruby", "Evie",
]  # fmt: skip
BOYS = [
    "Noah", "Oliver", "George", "Leo", "Arthur", "Muhammad", "Harry", "Oscar", "Jack",
    "Charlie", "Jacob", "Alfie", "Theo", "Finley", "Archie", "Joshua", "Ethan", "Kai",
]  # fmt: skip
FAMILY = [
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Khan", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
    "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Ali", "Hussain", "Begum",
    "O'Brien", "Murphy", "Kowalski", "Nowak",
]  # fmt: skip
NICKS = [
    "Jay", "Bex", "Lil", "Tee", "Kiki", "Mo", "Dee", "Sunny", "Bubbles", "Tink",
]  # fmt: skip
AGENCIES = {
    "police": "Riverside Police",
    "health": "Riverside Health",
    "education": "Northfield Academy",
    "care": "Oakview Children's Home",
    "social": "Riverside Children's Social Care",
}
SETTING = {
    "police": "patrol",
    "health": "health",
    "education": "school",
    "care": "care_home",
    "social": "social_care",
}
LOWER = ("information", "early_help", "child_in_need")
HIGH = ("cars_with_unknown_adults", "adult_of_concern", "taken_to_other_towns", "injuries")
