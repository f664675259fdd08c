// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IKhoErrors} from "../interfaces/IKhoErrors.sol";

/**
 * @title KhoStrings
 * @author Kho
 * @notice Length and charset rules for the strings the Kho registries store. Every string is bounded so that no
 * caller can make reads or event indexing arbitrarily expensive for everyone else. All rules are ASCII-only on
 * purpose: byte-level rules are cheap to check on-chain and impossible to spoof with look-alike Unicode.
 *
 * Rules:
 * - locale (BCP-47 tag): 2..35 bytes of `A-Z a-z 0-9 -`, starting with a letter, no `--`, not ending in `-`.
 * - community slug: 3..64 bytes, `/`-separated non-empty segments. The first segment may use `A-Z a-z 0-9 - _`
 *   (a locale such as `vi-VN`) but may hold upper-case letters only when another segment follows; later segments use
 *   `a-z 0-9 - _` only. Example: `vi-VN/home-cooking`.
 * - model name: 1..64 bytes of `A-Z a-z 0-9 . _ - /`, in `/`-separated segments that each start with a letter or
 *   digit (so no empty, `.` or `..` segments). Example: `vinai/PhoGPT-4B_v1.5`.
 * - endpoint: 1..256 bytes starting with `http://` or `https://`, followed by at least one byte, all bytes printable
 *   ASCII without spaces (0x21..0x7e).
 * - metadata URI: 1..512 bytes of printable ASCII without spaces (0x21..0x7e), as RFC 3986 URIs are; otherwise
 *   opaque to the chain. Control bytes or invalid UTF-8 would reach every indexer, CLI and terminal that shows them.
 *
 * Slugs and model names are unique regardless of ASCII case ({foldedHash}), so `vi-vn/home-cooking` cannot squat
 * next to `vi-VN/home-cooking`, nor `pho-7b` next to `Pho-7B`.
 */
library KhoStrings {
    uint256 internal constant MAX_LOCALE_LENGTH = 35;
    uint256 internal constant MIN_SLUG_LENGTH = 3;
    uint256 internal constant MAX_SLUG_LENGTH = 64;
    uint256 internal constant MAX_NAME_LENGTH = 64;
    uint256 internal constant MAX_ENDPOINT_LENGTH = 256;
    uint256 internal constant MAX_URI_LENGTH = 512;

    /// @notice Reverts unless `value` is `min..max` bytes long.
    function checkLength(string memory field, bytes memory value, uint256 min, uint256 max) internal pure {
        if (value.length < min) revert IKhoErrors.StringTooShort(field, value.length, min);
        if (value.length > max) revert IKhoErrors.StringTooLong(field, value.length, max);
    }

    /// @notice Reverts unless `uri` is a non-empty metadata URI of at most 512 bytes.
    function checkURI(string memory field, string memory uri) internal pure {
        bytes memory b = bytes(uri);
        checkLength(field, b, 1, MAX_URI_LENGTH);
        for (uint256 i = 0; i < b.length; ++i) {
            if (!_isPrintable(b[i])) revert IKhoErrors.InvalidCharacter(field, i);
        }
    }

    /**
     * @notice keccak256 of `value` with ASCII `A-Z` lowered: the uniqueness key of slugs and model names.
     * @param value The string.
     * @return hash The hash of the case-folded bytes.
     */
    function foldedHash(string memory value) internal pure returns (bytes32 hash) {
        // Folds a copy: callers may still use `value` afterwards.
        bytes memory folded = bytes.concat(bytes(value));
        for (uint256 i = 0; i < folded.length; ++i) {
            if (_isUpper(folded[i])) folded[i] = bytes1(uint8(folded[i]) + 32);
        }
        return keccak256(folded);
    }

    /// @notice Reverts unless `locale` follows the locale rule above.
    function checkLocale(string memory locale) internal pure {
        bytes memory b = bytes(locale);
        checkLength("locale", b, 2, MAX_LOCALE_LENGTH);
        if (!_isLetter(b[0])) revert IKhoErrors.InvalidCharacter("locale", 0);
        for (uint256 i = 1; i < b.length; ++i) {
            bytes1 c = b[i];
            if (c == "-") {
                if (b[i - 1] == "-" || i == b.length - 1) revert IKhoErrors.InvalidCharacter("locale", i);
            } else if (!_isLetter(c) && !_isDigit(c)) {
                revert IKhoErrors.InvalidCharacter("locale", i);
            }
        }
    }

    /// @notice Reverts unless `slug` follows the community slug rule above.
    function checkSlug(string memory slug) internal pure {
        bytes memory b = bytes(slug);
        checkLength("slug", b, MIN_SLUG_LENGTH, MAX_SLUG_LENGTH);
        bool inFirstSegment = true;
        bool sawUpper = false;
        for (uint256 i = 0; i < b.length; ++i) {
            bytes1 c = b[i];
            if (c == "/") {
                // Segments must be non-empty: no leading, trailing or doubled separator.
                if (i == 0 || i == b.length - 1 || b[i - 1] == "/") revert IKhoErrors.InvalidCharacter("slug", i);
                inFirstSegment = false;
            } else if (_isUpper(c)) {
                if (!inFirstSegment) revert IKhoErrors.InvalidCharacter("slug", i);
                sawUpper = true;
            } else if (!_isLower(c) && !_isDigit(c) && c != "-" && c != "_") {
                revert IKhoErrors.InvalidCharacter("slug", i);
            }
        }
        // Upper case is reserved for a locale prefix, which only exists when a second segment follows.
        if (sawUpper && inFirstSegment) revert IKhoErrors.InvalidCharacter("slug", 0);
    }

    /// @notice Reverts unless `name` follows the model name rule above.
    function checkModelName(string memory name) internal pure {
        bytes memory b = bytes(name);
        checkLength("name", b, 1, MAX_NAME_LENGTH);
        for (uint256 i = 0; i < b.length; ++i) {
            bytes1 c = b[i];
            bool segmentStart = i == 0 || b[i - 1] == "/";
            // A segment (the whole name, or each `/`-separated part) starts with a letter or digit.
            if (segmentStart && !_isLetter(c) && !_isDigit(c)) revert IKhoErrors.InvalidCharacter("name", i);
            if (!_isLetter(c) && !_isDigit(c) && c != "." && c != "_" && c != "-" && c != "/") {
                revert IKhoErrors.InvalidCharacter("name", i);
            }
        }
        // A trailing separator would leave an empty last segment.
        if (b[b.length - 1] == "/") revert IKhoErrors.InvalidCharacter("name", b.length - 1);
    }

    /// @notice Reverts unless `endpoint` follows the endpoint rule above.
    function checkEndpoint(string memory endpoint) internal pure {
        bytes memory b = bytes(endpoint);
        checkLength("endpoint", b, 1, MAX_ENDPOINT_LENGTH);
        uint256 prefix = _httpPrefixLength(b);
        if (prefix == 0) revert IKhoErrors.InvalidCharacter("endpoint", 0);
        if (b.length == prefix) revert IKhoErrors.StringTooShort("endpoint", b.length, prefix + 1);
        for (uint256 i = prefix; i < b.length; ++i) {
            if (!_isPrintable(b[i])) revert IKhoErrors.InvalidCharacter("endpoint", i);
        }
    }

    /// @dev Length of a leading `http://` or `https://`, or 0 when neither is there.
    function _httpPrefixLength(bytes memory b) private pure returns (uint256) {
        if (_startsWith(b, "https://")) return 8;
        if (_startsWith(b, "http://")) return 7;
        return 0;
    }

    function _startsWith(bytes memory b, bytes memory prefix) private pure returns (bool) {
        if (b.length < prefix.length) return false;
        for (uint256 i = 0; i < prefix.length; ++i) {
            if (b[i] != prefix[i]) return false;
        }
        return true;
    }

    function _isLetter(bytes1 c) private pure returns (bool) {
        return _isLower(c) || _isUpper(c);
    }

    function _isLower(bytes1 c) private pure returns (bool) {
        return c >= "a" && c <= "z";
    }

    function _isUpper(bytes1 c) private pure returns (bool) {
        return c >= "A" && c <= "Z";
    }

    /// @dev Printable ASCII without the space: 0x21..0x7e.
    function _isPrintable(bytes1 c) private pure returns (bool) {
        return c > 0x20 && c < 0x7f;
    }

    function _isDigit(bytes1 c) private pure returns (bool) {
        return c >= "0" && c <= "9";
    }
}
