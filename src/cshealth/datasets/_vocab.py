"""Word pools of the sample generator: company and people names, goals, survey comments.

Every pool is a plain tuple; the generator draws indices into it with the seeded
generator, so names and comments are as deterministic as the numbers.
"""

from __future__ import annotations

__all__ = [
    "COMMENTS",
    "COMPANY_CORES",
    "COMPANY_PREFIXES",
    "COMPANY_SUFFIXES",
    "DIVISIONS",
    "FIRST_NAMES",
    "GOALS",
    "LAST_NAMES",
]

COMPANY_PREFIXES = (
    "Acme", "Blue", "Bright", "Cedar", "Clear", "Copper", "Crest", "Delta", "Echo", "Ember",
    "First", "Granite", "Harbor", "Iron", "Juniper", "Keystone", "Lumen", "Maple", "Meridian",
    "Nimbus", "North", "Oak", "Orbit", "Pacific", "Pine", "Prime", "Quartz", "Red", "Ridge",
    "River", "Silver", "Solar", "Spruce", "Stone", "Summit", "True", "Vertex", "Willow",
    "Zenith", "Atlas",
)  # fmt: skip
COMPANY_CORES = (
    "Analytics", "Bank", "Bio", "Cloud", "Commerce", "Data", "Energy", "Foods", "Freight",
    "Health", "Insurance", "Labs", "Learning", "Logistics", "Media", "Medical", "Motors",
    "Networks", "Pay", "Retail", "Robotics", "Software", "Studios", "Supply", "Systems",
    "Telecom", "Travel", "Works",
)  # fmt: skip
COMPANY_SUFFIXES = ("Inc", "Ltd", "GmbH", "Group", "Co", "LLC", "SA", "AB", "BV", "plc")
#: Names of child accounts: the parent's name followed by a division.
DIVISIONS = (
    "Payments", "Research", "Consumer", "Services", "Digital", "Operations", "Wholesale",
    "Ventures",
)  # fmt: skip

FIRST_NAMES = (
    "Ada", "Amir", "Ana", "Ben", "Chen", "Chloe", "Dana", "David", "Elif", "Emma", "Femi",
    "Grace", "Hana", "Ivan", "Jonas", "Julia", "Kai", "Kenji", "Lara", "Leo", "Lina", "Luca",
    "Maya", "Mei", "Nadia", "Noah", "Omar", "Paula", "Priya", "Rafael", "Rosa", "Sara",
    "Sven", "Tariq", "Tom", "Uma", "Vera", "Wei", "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Ahmed", "Berg", "Costa", "Diaz", "Dubois", "Evans", "Fischer", "Garcia",
    "Haddad", "Ito", "Jensen", "Kaur", "Kowalski", "Larsen", "Lopez", "Martin", "Meyer",
    "Moreau", "Nakamura", "Novak", "Okafor", "Olsen", "Patel", "Quinn", "Rossi", "Santos",
    "Schmidt", "Silva", "Singh", "Tanaka", "Taylor", "Vargas", "Walsh", "Weber", "Wong",
    "Yilmaz", "Zhang",
)  # fmt: skip

GOALS = (
    "cut reporting time by 30%",
    "one dashboard for the leadership team",
    "automate the weekly data export",
    "roll out to every regional team",
    "reduce the support backlog by a quarter",
    "replace the legacy spreadsheet process",
    "connect the CRM and the billing system",
    "alert on-call staff within five minutes",
    "self-serve analytics for the sales team",
    "pass the annual compliance audit",
    "halve time spent on month-end close",
    "train every new hire in their first week",
)

#: Comment templates by category: NPS detractor/passive/promoter, CSAT and CES low/high.
COMMENTS: dict[str, tuple[str, ...]] = {
    "detractor": (
        "Too many bugs lately, and support takes days to answer.",
        "We are not getting the value we were promised.",
        "The product is hard to use and our team has stopped logging in.",
        "Since our main contact left nobody really owns this on your side.",
        "Onboarding dragged on for months.",
        "Pricing is hard to justify for what we use.",
    ),
    "passive": (
        "It does the job, nothing more.",
        "Good product, but the reporting could be more flexible.",
        "Fine overall; some features feel unfinished.",
        "Works well once set up, setup was painful.",
        "Decent, but we are evaluating alternatives.",
    ),
    "promoter": (
        "Our team relies on it every day.",
        "Great product and a very responsive support team.",
        "The dashboards saved us hours every week.",
        "Easy to roll out, the whole company uses it now.",
        "Our CSM is fantastic, always one step ahead.",
        "The integrations just work.",
    ),
    "csat_low": (
        "Took far too long to get an answer.",
        "My problem is still not solved.",
        "I had to explain the issue three times.",
        "The answer did not address my question.",
    ),
    "csat_high": (
        "Quick and helpful, thanks!",
        "Solved on the first reply.",
        "Very friendly agent who knew the product well.",
        "Great support as always.",
    ),
    "ces_low": (
        "Too many steps to get this done.",
        "The documentation did not help.",
        "I had to chase your team for updates.",
    ),
    "ces_high": (
        "Smooth and simple.",
        "Easier than expected.",
        "Everything was clearly explained.",
    ),
}
