/**
 * The PAC utility functions that Chromium evaluates before the user's script
 * (services/proxy_resolver/pac_js_library.h, which carries Mozilla's netwerk/base/ProxyAutoConfig.cpp
 * versions). Written from the documented Mozilla semantics, quirks included, so scripts that
 * depend on them behave as in Chromium:
 *
 * - `shExpMatch` escapes only `.`, so other regex syntax in the pattern stays live;
 * - `dateRange(day, month)` is true for nearly any input (crbug.com/827292);
 * - the date functions read the global `Date` at call time, so a script (or a test) that replaces
 *   `Date` changes what they see, as in Chromium's pac_library_unittest.js;
 * - with `'GMT'`, "now" is rebuilt by setting its local fields one by one from its UTC fields on
 *   the same object, so each step reads fields the previous step already moved.
 *
 * `convert_addr` and `isValidIpAddress` are helpers that real-world scripts call directly, so they
 * stay global under their Mozilla names. The C++ bindings (`dnsResolve`, `myIpAddress`, ...) are
 * installed separately (pac-bindings.ts).
 */
export const PAC_UTILITY_LIBRARY = String.raw`
function dnsDomainIs(host, domain) {
  return host.length >= domain.length &&
      host.substring(host.length - domain.length) == domain;
}

function dnsDomainLevels(host) {
  return host.split('.').length - 1;
}

function isValidIpAddress(ipchars) {
  var parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ipchars);
  if (parts == null) return false;
  for (var i = 1; i <= 4; i++) {
    if (parts[i] > 255) return false;
  }
  return true;
}

function convert_addr(ipchars) {
  var bytes = ipchars.split('.');
  return ((bytes[0] & 0xff) << 24) | ((bytes[1] & 0xff) << 16) |
      ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff);
}

function isInNet(ipaddr, pattern, maskstr) {
  if (!isValidIpAddress(pattern) || !isValidIpAddress(maskstr)) return false;
  if (!isValidIpAddress(ipaddr)) {
    ipaddr = dnsResolve(ipaddr);
    if (ipaddr == null) return false;
  }
  var host = convert_addr(ipaddr);
  var pat = convert_addr(pattern);
  var mask = convert_addr(maskstr);
  return (host & mask) == (pat & mask);
}

function isResolvable(host) {
  return dnsResolve(host) != null;
}

function isResolvableEx(host) {
  return dnsResolveEx(host) != '';
}

function localHostOrDomainIs(host, hostdom) {
  return host == hostdom || hostdom.lastIndexOf(host + '.', 0) == 0;
}

function shExpMatch(url, pattern) {
  pattern = pattern.replace(/\./g, '\\.');
  pattern = pattern.replace(/\*/g, '.*');
  pattern = pattern.replace(/\?/g, '.');
  return new RegExp('^' + pattern + '$').test(url);
}

var wdays = {SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6};
var months = {JAN: 0, FEB: 1, MAR: 2, APR: 3, MAY: 4, JUN: 5,
              JUL: 6, AUG: 7, SEP: 8, OCT: 9, NOV: 10, DEC: 11};

function weekdayRange() {
  function dayNumber(name) {
    return Object.prototype.hasOwnProperty.call(wdays, name) ? wdays[name] : -1;
  }
  var now = new Date();
  var argc = arguments.length;
  if (argc < 1) return false;
  var today;
  if (arguments[argc - 1] == 'GMT') {
    argc--;
    today = now.getUTCDay();
  } else {
    today = now.getDay();
  }
  var first = dayNumber(arguments[0]);
  var last = argc == 2 ? dayNumber(arguments[1]) : first;
  if (first == -1 || last == -1) return false;
  if (first <= last) return first <= today && today <= last;
  return last >= today || today >= first;
}

function dateRange() {
  function monthNumber(name) {
    return Object.prototype.hasOwnProperty.call(months, name) ? months[name] : -1;
  }
  var now = new Date();
  var argc = arguments.length;
  if (argc < 1) return false;
  var isGMT = arguments[argc - 1] == 'GMT';
  if (isGMT) argc--;

  if (argc == 1) {
    var value = parseInt(arguments[0]);
    if (isNaN(value)) {
      return (isGMT ? now.getUTCMonth() : now.getMonth()) == monthNumber(arguments[0]);
    }
    if (value < 32) return (isGMT ? now.getUTCDate() : now.getDate()) == value;
    return (isGMT ? now.getUTCFullYear() : now.getFullYear()) == value;
  }

  var year = now.getFullYear();
  var date1 = new Date(year, 0, 1, 0, 0, 0);
  var date2 = new Date(year, 11, 31, 23, 59, 59);
  var adjustMonth = false;
  var half = argc >> 1;
  for (var i = 0; i < half; i++) {
    var first = parseInt(arguments[i]);
    if (isNaN(first)) {
      date1.setMonth(monthNumber(arguments[i]));
    } else if (first < 32) {
      adjustMonth = argc <= 2;
      date1.setDate(first);
    } else {
      date1.setFullYear(first);
    }
  }
  for (var j = half; j < argc; j++) {
    var second = parseInt(arguments[j]);
    if (isNaN(second)) {
      date2.setMonth(monthNumber(arguments[j]));
    } else if (second < 32) {
      date2.setDate(second);
    } else {
      date2.setFullYear(second);
    }
  }
  if (adjustMonth) {
    date1.setMonth(now.getMonth());
    date2.setMonth(now.getMonth());
  }
  if (isGMT) {
    now.setFullYear(now.getUTCFullYear());
    now.setMonth(now.getUTCMonth());
    now.setDate(now.getUTCDate());
    now.setHours(now.getUTCHours());
    now.setMinutes(now.getUTCMinutes());
    now.setSeconds(now.getUTCSeconds());
  }
  if (date1 <= date2) return date1 <= now && now <= date2;
  return now <= date2 || now >= date1;
}

function timeRange() {
  var argc = arguments.length;
  var now = new Date();
  if (argc < 1) return false;
  var isGMT = false;
  if (arguments[argc - 1] == 'GMT') {
    isGMT = true;
    argc--;
  }
  var hour = isGMT ? now.getUTCHours() : now.getHours();
  var date1 = new Date();
  var date2 = new Date();

  if (argc == 1) return hour == arguments[0];
  if (argc == 2) return arguments[0] <= hour && hour <= arguments[1];
  if (argc == 6) {
    date1.setSeconds(arguments[2]);
    date2.setSeconds(arguments[5]);
  } else if (argc != 4) {
    throw 'timeRange: bad number of arguments';
  }
  var middle = argc >> 1;
  date1.setHours(arguments[0]);
  date1.setMinutes(arguments[1]);
  date2.setHours(arguments[middle]);
  date2.setMinutes(arguments[middle + 1]);
  if (middle == 2) date2.setSeconds(59);

  if (isGMT) {
    now.setFullYear(now.getUTCFullYear());
    now.setMonth(now.getUTCMonth());
    now.setDate(now.getUTCDate());
    now.setHours(now.getUTCHours());
    now.setMinutes(now.getUTCMinutes());
    now.setSeconds(now.getUTCSeconds());
  }
  if (date1 <= date2) return date1 <= now && now <= date2;
  return now <= date2 || now >= date1;
}
`;
