#pragma once
// Whole days as the mandates count them: calendar dates in Europe/Berlin, independent of the host's time
// zone.

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

namespace regfed::core {

/// A calendar date as days since 1970-01-01.
using Day = std::int64_t;

/// Parses "YYYY-MM-DD" (a valid calendar date); nullopt otherwise.
std::optional<Day> parseDay(const std::string& text);

/// Formats a day as "YYYY-MM-DD".
std::string formatDay(Day day);

/// Year of a day.
int yearOf(Day day);

/// First day of a year.
Day firstDayOf(int year);

/// The Europe/Berlin calendar day at a UTC instant (CET/CEST by the EU rule: summer time from the last Sunday
/// of March 01:00 UTC to the last Sunday of October 01:00 UTC).
Day berlinDay(std::time_t utc);

/// Seconds Europe/Berlin is ahead of UTC at a UTC instant (3600 or 7200).
int berlinOffset(std::time_t utc);

/// A UTC RFC 3339 time ("2026-11-28T10:01:02.123456Z") as Berlin wall-clock time "2026-11-28 11:01:02", the
/// form spreadsheet programs read as a date and time; the text unchanged when it cannot be read.
std::string berlinWallClock(const std::string& utcRfc3339);

/// Today in Europe/Berlin.
Day berlinToday();

}  // namespace regfed::core
