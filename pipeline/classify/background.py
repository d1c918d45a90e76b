"""Neutral case-review sentences: the null distribution for semantic scores.

Each theme's exemplars sit at a different distance from ordinary review
prose (a theme about agencies is close to every sentence that names an
agency). Scoring these neutral sentences against each theme gives the
theme's own baseline mean and spread, so a passage's similarity can be
read as "how far above ordinary review prose" on a common scale.

They are written generically, to describe review procedure and neutral
facts as any review might; they are not taken from the bundled corpus.
"""

NEUTRAL_SENTENCES: tuple[str, ...] = (
    "The review was commissioned by the local safeguarding partnership following a rapid review.",
    "The reviewer would like to thank the practitioners who contributed to this review.",
    "This section summarises the involvement of each agency during the period under review.",
    "The family moved to a new address in the north of the city in the spring.",
    "The child attended the local primary school and was in year two.",
    "The health visitor completed the new birth visit at the family home.",
    "A strategy meeting was held and attended by police, health and children's social care.",
    "The period under review runs from the child's birth until the incident.",
    "Agency reports and chronologies were provided by the organisations listed below.",
    "The mother was twenty-four years old and the father was twenty-six.",
    "The case was allocated to a social worker in the assessment team.",
    "The GP saw the child for a routine immunisation appointment.",
    "The review panel met on four occasions between March and September.",
    "The family were invited to contribute to the review.",
    "The school nurse offered a drop-in session for pupils.",
    "The maternal grandmother lived nearby and helped with childcare.",
    "The report uses pseudonyms to protect the identity of the children.",
    "A learning event was held with frontline practitioners and their managers.",
    "The child was born at thirty-nine weeks and was discharged home after two days.",
    "The police are one of the three statutory safeguarding partners.",
    "The children had regular contact with their paternal relatives at weekends.",
    "The social worker visited the home and met the children and their mother.",
    "The partnership has accepted the recommendations of this review.",
    "The following abbreviations are used throughout this report.",
    "The child enjoyed football and was described as a lively and friendly boy.",
    "An initial child protection conference was held two weeks later.",
    "The housing association carried out repairs to the property.",
    "The midwife saw the mother at the booking appointment.",
    "Practitioners described the family as warm and welcoming.",
    "This report sets out the findings and recommendations of the review.",
    "The early help assessment was completed with the family's consent.",
    "The child's father worked full time and the mother cared for the children.",
    "The case was transferred to a new team in the autumn.",
    "Information from the agencies involved has been analysed by the reviewer.",
    "The younger sibling attended nursery three mornings a week.",
    "The review considered records held by health, education, police and children's social care.",
)
