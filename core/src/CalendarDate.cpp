#include "CalendarDate.h"

#include <cstdio>

namespace regfed::core {

namespace {

// Howard Hinnant's days_from_civil / civil_from_days.
Day daysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<Day>(era) * 146097 + static_cast<Day>(doe) - 719468;
}

void civilFromDays(Day z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const Day era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yoe) + static_cast<int>(era) * 400 + (m <= 2);
}

// Day of the last Sunday of a month (1970-01-01 was a Thursday).
Day lastSunday(int year, unsigned month) {
  Day last = daysFromCivil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - 1;
  const Day weekday = ((last % 7) + 7 + 4) % 7;  // 0 = Sunday
  return last - weekday;
}

}  // namespace

std::optional<Day> parseDay(const std::string& text) {
  int y = 0;
  unsigned m = 0, d = 0;
  char extra = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &extra) != 3)
    return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  const Day day = daysFromCivil(y, m, d);
  int y2;
  unsigned m2, d2;
  civilFromDays(day, y2, m2, d2);
  if (y2 != y || m2 != m || d2 != d) return std::nullopt;  // e.g. 2026-02-30
  return day;
}

std::string formatDay(Day day) {
  int y;
  unsigned m, d;
  civilFromDays(day, y, m, d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
  return buf;
}

int yearOf(Day day) {
  int y;
  unsigned m, d;
  civilFromDays(day, y, m, d);
  return y;
}

Day firstDayOf(int year) { return daysFromCivil(year, 1, 1); }

int berlinOffset(std::time_t utc) {
  const int year = yearOf(static_cast<Day>(utc >= 0 ? utc / 86400 : (utc - 86399) / 86400));
  const std::time_t summerStart = static_cast<std::time_t>(lastSunday(year, 3) * 86400 + 3600);
  const std::time_t summerEnd = static_cast<std::time_t>(lastSunday(year, 10) * 86400 + 3600);
  return (utc >= summerStart && utc < summerEnd) ? 7200 : 3600;
}

std::string berlinWallClock(const std::string& utc) {
  int hh = 0, mi = 0, ss = 0;
  if (utc.size() < 20 || utc[10] != 'T' || std::sscanf(utc.c_str() + 11, "%2d:%2d:%2d", &hh, &mi, &ss) != 3)
    return utc;
  const auto day = parseDay(utc.substr(0, 10));
  if (!day) return utc;
  const std::time_t instant = static_cast<std::time_t>(*day * 86400 + hh * 3600 + mi * 60 + ss);
  const std::time_t local = instant + berlinOffset(instant);
  const std::int64_t secondOfDay = static_cast<std::int64_t>(local % 86400);
  char clock[16];
  std::snprintf(clock, sizeof clock, " %02d:%02d:%02d", static_cast<int>(secondOfDay / 3600),
                static_cast<int>(secondOfDay / 60 % 60), static_cast<int>(secondOfDay % 60));
  return formatDay(static_cast<Day>(local / 86400)) + clock;
}

Day berlinDay(std::time_t utc) {
  const std::time_t local = utc + berlinOffset(utc);
  return static_cast<Day>(local >= 0 ? local / 86400 : (local - 86399) / 86400);
}

Day berlinToday() { return berlinDay(std::time(nullptr)); }

}  // namespace regfed::core
