"""The seeds' partnership rules: the state/local link and its confirmations, staff sessions, the vision's revisit
cadence, target population sizes, sources of the role matrix, catch-all populations, agreement kinds.

Revision ID: 20261207_0021
Revises: 20261123_0008
Create Date: 2026-12-07 00:39:38.549126

Data as well as schema: the role matrix entries a deployment holds get their source (the seed's chart, a shipped
project addition, or the deployment's own); the general public becomes a catch-all population; the shipped team
requirements take their tiers; MOUs that listed one-stop sections become one-stop MOUs (the only kind those
sections now apply to). The data below is frozen as it shipped, so the migration does not change with the
reference files.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261207_0021'
down_revision: str | None = '20261207_0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_CHART = [('community_based_organization', 'engage_employers'),
 ('community_based_organization', 'provide_support_services'),
 ('community_based_organization', 'recruit_and_refer'),
 ('economic_development_agency', 'engage_employers'),
 ('economic_development_agency', 'provide_labor_market_information'),
 ('educational_institution', 'assist_financial_aid'),
 ('educational_institution', 'design_programs'),
 ('educational_institution', 'develop_curricula'),
 ('educational_institution', 'link_credit_noncredit'),
 ('educational_institution', 'modularize_curricula'),
 ('educational_institution', 'promote_articulation'),
 ('educational_institution', 'provide_support_services'),
 ('employer', 'develop_curricula'),
 ('employer', 'provide_employment'),
 ('employer', 'provide_trainers'),
 ('employer', 'provide_training_facilities'),
 ('human_services_agency', 'engage_employers'),
 ('human_services_agency', 'provide_support_services'),
 ('human_services_agency', 'recruit_and_refer'),
 ('workforce_agency', 'assess_skills'),
 ('workforce_agency', 'engage_employers'),
 ('workforce_agency', 'provide_job_placement'),
 ('workforce_agency', 'provide_job_search_assistance'),
 ('workforce_agency', 'provide_labor_market_information'),
 ('workforce_agency', 'provide_support_services'),
 ('workforce_agency', 'recruit_and_refer')]
PROJECT_ADDITIONS = [('workforce_agency',
  ('coordinate_collaboration', 'champion_system'),
  'project: the seed names no partner type for the intermediary ("often coordinated by one organization or agency. '
  'This organization functions as a go-between, or intermediary"; "The intermediary also serves as the system\'s '
  'champion"); workforce boards, colleges and community organizations are the ones that usually take it on, an '
  'assumption of this project'),
 ('educational_institution',
  ('coordinate_collaboration', 'champion_system'),
  'project: the seed names no partner type for the intermediary ("often coordinated by one organization or agency. '
  'This organization functions as a go-between, or intermediary"; "The intermediary also serves as the system\'s '
  'champion"); workforce boards, colleges and community organizations are the ones that usually take it on, an '
  'assumption of this project'),
 ('community_based_organization',
  ('coordinate_collaboration', 'champion_system'),
  'project: the seed names no partner type for the intermediary ("often coordinated by one organization or agency. '
  'This organization functions as a go-between, or intermediary"; "The intermediary also serves as the system\'s '
  'champion"); workforce boards, colleges and community organizations are the ones that usually take it on, an '
  'assumption of this project'),
 ('educational_institution',
  ('provide_trainers',),
  'project: the seed\'s chart gives trainers/faculty to employers only; education "takes a lead on providing '
  'classroom-based learning" (ED/HHS/DOL, peerta.acf.hhs.gov/cptoolkit/about-catalog, reference-facts.md section '
  '4.1)'),
 ('vocational_rehabilitation',
  ('recruit_and_refer', 'provide_support_services', 'assess_skills', 'engage_employers', 'provide_job_placement'),
  "project: derived from the program's statutory purposes (reference-facts.md sections 4.1 and 5, labelled as "
  'derived there): WIOA Title IV vocational rehabilitation serves individuals with disabilities with assessment, '
  'supports and placement'),
 ('adult_education',
  ('recruit_and_refer',
   'provide_support_services',
   'assess_skills',
   'design_programs',
   'develop_curricula',
   'provide_trainers'),
  "project: derived from the program's statutory purposes (reference-facts.md sections 4.1 and 5, labelled as "
  'derived there): WIOA Title II adult education providers teach basic skills and integrated education and '
  'training'),
 ('tanf_agency',
  ('recruit_and_refer', 'provide_support_services', 'assess_skills', 'engage_employers'),
  "project: derived from the program's statutory purposes (reference-facts.md sections 4.1 and 5, labelled as "
  'derived there): TANF agencies fund work activities and supportive services for needy families'),
 ('snap_et_agency',
  ('recruit_and_refer', 'provide_support_services', 'assess_skills', 'provide_job_search_assistance'),
  "project: derived from the program's statutory purposes (reference-facts.md sections 4.1 and 5, labelled as "
  'derived there): SNAP E&T components include job search and job search training, with supportive services'),
 ('reentry_organization',
  ('recruit_and_refer', 'provide_support_services', 'assess_skills', 'engage_employers'),
  "project: derived from the program's statutory purposes (reference-facts.md sections 4.1 and 5, labelled as "
  'derived there): Reentry Employment Opportunities serve people returning from incarceration'),
 ('veterans_services',
  ('recruit_and_refer',
   'provide_support_services',
   'assess_skills',
   'provide_job_search_assistance',
   'provide_job_placement'),
  "project: derived from the program's statutory purposes (reference-facts.md sections 4.1 and 5, labelled as "
  'derived there): Jobs for Veterans State Grants fund employment services for veterans'),
 ('labor_union',
  ('develop_curricula', 'provide_trainers', 'provide_training_facilities', 'provide_employment', 'design_programs'),
  "project: derived from the program's statutory purposes (reference-facts.md sections 4.1 and 5, labelled as "
  'derived there): registered apprenticeship sponsors design, teach and employ (part of the WIOA career pathway '
  'definition)'),
 ('philanthropy',
  ('champion_system',),
  'project: private funders promote the system to the community (the seed\'s champion: "promoting it to the '
  'leadership team, key partner agencies, and the community as a whole")')]
TEAM_REQUIREMENTS_BEFORE = {'leadership_team': ['workforce_agency', 'educational_institution', 'employer'],
 'intermediary_function': 'coordinate_collaboration'}
TEAM_REQUIREMENTS_AFTER = {'tiers': {'essential': {'severity': 'high',
                         'source': "the partner types without which the seed's chart loses whole rows of core "
                                   "functions, named first in seed 001's description of the stakeholders"},
           'recommended': {'severity': 'medium',
                           'source': 'seed 001 ends its list of stakeholders with "and others": named, but not '
                                     'every team needs them at the table'}},
 'leadership_team': [{'partner_type': 'workforce_agency',
                      'tier': 'essential',
                      'source': 'seed 001: "getting stakeholders—businesses, educational institutions, workforce '
                                'development and economic development entities, government agencies, '
                                'community-based organizations and others – to identify a goal"; readiness '
                                'indicator 1.1: "A leadership team with representatives of workforce, education, '
                                'human services and economic development agencies and employers"; the seed\'s '
                                'chart (Workforce Agencies)'},
                     {'partner_type': 'educational_institution',
                      'tier': 'essential',
                      'source': 'seed 001: "getting stakeholders—businesses, educational institutions, workforce '
                                'development and economic development entities, government agencies, '
                                'community-based organizations and others – to identify a goal"; readiness '
                                'indicator 1.1: "A leadership team with representatives of workforce, education, '
                                'human services and economic development agencies and employers"; the seed\'s '
                                'chart (Educational Institutions and Agencies)'},
                     {'partner_type': 'employer',
                      'tier': 'essential',
                      'source': 'seed 001: "getting stakeholders—businesses, educational institutions, workforce '
                                'development and economic development entities, government agencies, '
                                'community-based organizations and others – to identify a goal" (businesses); '
                                'readiness indicator 1.1: "A leadership team with representatives of workforce, '
                                'education, human services and economic development agencies and employers"; seed '
                                '000: "more people—employers and participants—being engaged"; the seed\'s chart '
                                '(Employers)'},
                     {'partner_type': 'economic_development_agency',
                      'tier': 'recommended',
                      'source': 'seed 001: "getting stakeholders—businesses, educational institutions, workforce '
                                'development and economic development entities, government agencies, '
                                'community-based organizations and others – to identify a goal"; readiness '
                                'indicator 1.1: "A leadership team with representatives of workforce, education, '
                                'human services and economic development agencies and employers"; the seed\'s '
                                'chart (Economic Development Agencies)'},
                     {'partner_type': 'human_services_agency',
                      'tier': 'recommended',
                      'source': 'readiness indicator 1.1: "A leadership team with representatives of workforce, '
                                'education, human services and economic development agencies and employers"; the '
                                "seed's chart (Human Services Agencies)"},
                     {'partner_type': 'community_based_organization',
                      'tier': 'recommended',
                      'source': 'seed 001: "getting stakeholders—businesses, educational institutions, workforce '
                                'development and economic development entities, government agencies, '
                                'community-based organizations and others – to identify a goal"; the seed\'s chart '
                                '(Community Based Organizations)'}],
 'intermediary_function': 'coordinate_collaboration',
 'champion_function': 'champion_system'}
ONE_STOP_SECTIONS = ['services_and_coordination',
 'cost_sharing',
 'referral_methods',
 'access_for_individuals_with_barriers',
 'duration_and_amendment',
 'review_and_renewal']


def upgrade() -> None:
    op.create_table('staff_sessions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('system_id', sa.Uuid(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['system_id'], ['systems.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_staff_sessions_system_held_on', 'staff_sessions', ['system_id', 'held_on', 'id'], unique=False)
    op.create_table('staff_session_agencies',
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['staff_sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'partner_id')
    )
    op.create_index(op.f('ix_staff_session_agencies_partner_id'), 'staff_session_agencies', ['partner_id'],
                    unique=False)
    op.add_column('populations', sa.Column('universal', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('systems', sa.Column('state_system_id', sa.Uuid(), nullable=True))
    op.add_column('systems', sa.Column('vision_review_cadence_months', sa.Integer(), server_default='12',
                                       nullable=False))
    op.add_column('systems', sa.Column('vision_revisited_on', sa.Date(), nullable=True))
    op.add_column('systems', sa.Column('target_population_sizes', postgresql.JSONB(astext_type=sa.Text()),
                                       server_default='{}', nullable=False))
    op.add_column('systems', sa.Column('relationship_confirmations', postgresql.JSONB(astext_type=sa.Text()),
                                       server_default='[]', nullable=False))
    op.create_index('ix_systems_state_system_id', 'systems', ['state_system_id'], unique=False)
    op.create_foreign_key('systems_state_system_id_fkey', 'systems', 'systems', ['state_system_id'], ['id'],
                          ondelete='SET NULL')
    op.add_column('usual_functions', sa.Column('source', sqlmodel.sql.sqltypes.AutoString(),
                                               server_default='deployment', nullable=False))

    conn = op.get_bind()
    conn.execute(sa.text("UPDATE populations SET universal = true WHERE code = 'general_public'"))
    for partner_type, functions, source in PROJECT_ADDITIONS:
        conn.execute(sa.text("UPDATE usual_functions SET source = :source "
                             "WHERE partner_type = :partner_type AND function = any(:functions)"),
                     {"source": source, "partner_type": partner_type, "functions": list(functions)})
    for partner_type, function in SEED_CHART:
        conn.execute(sa.text("UPDATE usual_functions SET source = 'seed' "
                             "WHERE partner_type = :partner_type AND function = :function"),
                     {"partner_type": partner_type, "function": function})
    _replace_document('team_requirements', TEAM_REQUIREMENTS_BEFORE, TEAM_REQUIREMENTS_AFTER)
    conn.execute(sa.text("UPDATE agreements SET type = 'one_stop_mou' WHERE type = 'mou' AND contents && :sections"),
                 {"sections": ONE_STOP_SECTIONS})


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE agreements SET type = CASE WHEN type IN ('one_stop_mou', 'state_local_mou') THEN 'mou' ELSE type END, "
        "contents = ARRAY(SELECT c FROM unnest(contents) AS c WHERE c = any(:sections) ORDER BY c)"),
        {"sections": ONE_STOP_SECTIONS})
    _replace_document('team_requirements', TEAM_REQUIREMENTS_AFTER, TEAM_REQUIREMENTS_BEFORE)
    conn.execute(sa.text("DELETE FROM reference_documents WHERE name = 'agreement_checklists'"))
    op.drop_column('usual_functions', 'source')
    op.drop_constraint('systems_state_system_id_fkey', 'systems', type_='foreignkey')
    op.drop_index('ix_systems_state_system_id', table_name='systems')
    op.drop_column('systems', 'relationship_confirmations')
    op.drop_column('systems', 'target_population_sizes')
    op.drop_column('systems', 'vision_revisited_on')
    op.drop_column('systems', 'vision_review_cadence_months')
    op.drop_column('systems', 'state_system_id')
    op.drop_column('populations', 'universal')
    op.drop_index(op.f('ix_staff_session_agencies_partner_id'), table_name='staff_session_agencies')
    op.drop_table('staff_session_agencies')
    op.drop_index('ix_staff_sessions_system_held_on', table_name='staff_sessions')
    op.drop_table('staff_sessions')


def _replace_document(name: str, before: object, after: object) -> None:
    """Replace a reference document the deployment left as shipped; one it edited stays its own."""
    op.get_bind().execute(
        sa.text("UPDATE reference_documents SET body = CAST(:after AS jsonb), updated_at = now() "
                "WHERE name = :name AND body = CAST(:before AS jsonb)"),
        {"name": name, "before": json.dumps(before), "after": json.dumps(after)},
    )
