/* Issue 42, point 2: a budget and a rate of revealed personal data, in the database. Every web
   process shares them, so one account cannot multiply its allowance by spreading its requests.
   - reveal_daily_budget (default 5,000; never below the unmasked export's cap, so one allowed
     export always fits a fresh day) counts the records an account revealed plus the rows of its
     unmasked exports, per day of Asia/Shanghai;
   - reveal_per_minute (default 30) counts one account's reveals in the last 60 seconds.
   Both are settings that only ops change (epi.set_reveal_limits), audited by the setting's trigger.
   epi_private.reveal_use holds each account's count of the day and its reveals' times of the last minute;
   epi_private.reveal_raise the raises ops grant one account for some days, with a reason. */
alter table epi.setting add constraint setting_reveal_limits_valid check (
  (key <> 'reveal_daily_budget'
   or (jsonb_typeof(value) = 'number' and value::numeric = trunc(value::numeric)
       and value::numeric >= 5000 and value::numeric <= 1000000))
  and (key <> 'reveal_per_minute'
   or (jsonb_typeof(value) = 'number' and value::numeric = trunc(value::numeric)
       and value::numeric >= 1 and value::numeric <= 600)));
comment on constraint setting_reveal_limits_valid on epi.setting is
  '每日查看完整个人信息的额度应为 5000–1000000 条；每分钟查看次数应为 1–600 次';

-- (db/security/epi.setting.sql forces RLS again right after the migrations)
alter table epi.setting no force row level security;
insert into epi.setting (key, value) values ('reveal_daily_budget', '5000'), ('reveal_per_minute', '30')
  on conflict (key) do nothing;
alter table epi.setting force row level security;

create table epi_private.reveal_use (
  account        text        not null,
  day            date        not null,               -- Asia/Shanghai
  revealed       bigint      not null default 0 check (revealed >= 0),   -- reveals + unmasked exported rows
  recent         timestamptz[] not null default '{}',  -- the times of its reveals within the last minute
  warned         boolean     not null default false, -- the 80% entry of this day is written
  primary key (account, day)
);
comment on table epi_private.reveal_use is
  'Each account''s revealed records of a day (reveals and unmasked exported rows) and the times of its reveals in the last minute.';

create table epi_private.reveal_raise (
  raise_id   bigint generated always as identity primary key,
  account    text        not null check (char_length(account) between 1 and 100),
  budget     bigint      not null check (budget between 1 and 1000000),
  first_day  date        not null,
  last_day   date        not null check (last_day >= first_day),
  reason     text        not null,
  raised_by  text        not null,
  raised_at  timestamptz not null default now()
);
create index reveal_raise_account on epi_private.reveal_raise (account, last_day);
comment on table epi_private.reveal_raise is
  'A daily reveal budget ops raised for one account from first_day to last_day (Asia/Shanghai), with the reason.';
