// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IKhoErrors} from "./IKhoErrors.sol";

/**
 * @title ICommunityRegistry
 * @author Kho
 * @notice Communities (a slug such as `vi-VN/home-cooking`, a locale and a metadata URI), their stewards and the
 * members the stewards attest. Ids start at 1 and are never reused. Every view or action on an unknown id reverts
 * with {CommunityNotFound}.
 */
interface ICommunityRegistry is IKhoErrors {
    /// @notice A community as stored, plus its id and counters.
    struct Community {
        uint256 id;
        string slug;
        string locale;
        string metadataURI;
        address creator;
        uint64 createdAt;
        uint256 stewardCount;
        uint256 memberCount;
    }

    /// @notice No community has id `communityId`.
    error CommunityNotFound(uint256 communityId);

    /// @notice Another community already uses `slug`, ignoring ASCII case (held by `communityId`).
    error SlugTaken(string slug, uint256 communityId);

    /// @notice `caller` is not a steward of `communityId` (and, where allowed, not the admin).
    error NotCommunitySteward(uint256 communityId, address caller);

    /// @notice `account` already is a steward of `communityId`.
    error AlreadySteward(uint256 communityId, address account);

    /// @notice `account` is not a steward of `communityId`, so it cannot be removed.
    error NotSteward(uint256 communityId, address account);

    /// @notice Removing the only steward would leave `communityId` unmanageable.
    error LastSteward(uint256 communityId);

    /// @notice A member batch holds `size` addresses; it must hold 1..`max`.
    error InvalidBatchSize(uint256 size, uint256 max);

    /// @notice A community was created; its creator is its first steward.
    event CommunityCreated(
        uint256 indexed communityId,
        address indexed creator,
        string slug,
        string locale,
        string metadataURI
    );

    /// @notice The metadata URI of `communityId` changed.
    event CommunityMetadataUpdated(uint256 indexed communityId, string metadataURI, address indexed steward);

    /// @notice `steward` may now manage `communityId`; `by` is the steward (or admin) who added it.
    event StewardAdded(uint256 indexed communityId, address indexed steward, address indexed by);

    /// @notice `steward` no longer manages `communityId`; `by` is the steward who removed it.
    event StewardRemoved(uint256 indexed communityId, address indexed steward, address indexed by);

    /// @notice `steward` attested that `member` belongs to `communityId`.
    event MemberAdded(uint256 indexed communityId, address indexed member, address indexed steward);

    /// @notice `steward` withdrew the membership attestation of `member` in `communityId`.
    event MemberRemoved(uint256 indexed communityId, address indexed member, address indexed steward);

    /**
     * @notice Creates a community; the caller becomes its creator and first steward.
     * @param slug Slug unique regardless of ASCII case (see {KhoStrings} for the rule), e.g. `vi-VN/home-cooking`.
     * @param locale BCP-47 locale tag, 2..35 bytes.
     * @param metadataURI Community card URI, 1..512 bytes.
     * @return communityId The new id (counter from 1).
     */
    function createCommunity(
        string calldata slug,
        string calldata locale,
        string calldata metadataURI
    ) external returns (uint256 communityId);

    /**
     * @notice Makes `account` a steward of `communityId`. Callable by a steward, or by the admin to recover a
     * community whose stewards lost their keys (the admin can thereby make itself a steward of any community).
     * @param communityId The community.
     * @param account The new steward.
     */
    function addSteward(uint256 communityId, address account) external;

    /**
     * @notice Removes steward `account` (a steward may remove itself). The last steward cannot be removed.
     * @param communityId The community.
     * @param account The steward to remove.
     */
    function removeSteward(uint256 communityId, address account) external;

    /**
     * @notice Replaces the metadata URI of `communityId`. Steward only.
     * @param communityId The community.
     * @param metadataURI New URI, 1..512 bytes.
     */
    function setMetadataURI(uint256 communityId, string calldata metadataURI) external;

    /**
     * @notice Attests `members` as members of `communityId`. Steward only. Idempotent: addresses that already are
     * members are skipped without an event, so a retried batch is harmless.
     * @param communityId The community.
     * @param members 1..200 non-zero addresses.
     */
    function addMembers(uint256 communityId, address[] calldata members) external;

    /**
     * @notice Withdraws the attestation of `members`. Steward only. Idempotent: non-members are skipped without an
     * event.
     * @param communityId The community.
     * @param members 1..200 addresses.
     */
    function removeMembers(uint256 communityId, address[] calldata members) external;

    /**
     * @notice Whether `account` is an attested member of `communityId`.
     * @param communityId The community (must exist).
     * @param account The account.
     * @return member True when attested.
     */
    function isMember(uint256 communityId, address account) external view returns (bool member);

    /**
     * @notice Whether `account` is a steward of `communityId`.
     * @param communityId The community (must exist).
     * @param account The account.
     * @return steward True when a steward.
     */
    function isSteward(uint256 communityId, address account) external view returns (bool steward);

    /**
     * @notice Whether a community with id `communityId` exists (never reverts).
     * @param communityId The id.
     * @return exists True when registered.
     */
    function communityExists(uint256 communityId) external view returns (bool exists);

    /**
     * @notice The community with id `communityId`.
     * @param communityId The id (must exist).
     * @return community Its data.
     */
    function getCommunity(uint256 communityId) external view returns (Community memory community);

    /**
     * @notice Number of communities ever created (the highest id).
     * @return count The count.
     */
    function communityCount() external view returns (uint256 count);

    /**
     * @notice The id of the community with `slug` ignoring ASCII case, or 0 when none has it.
     * @param slug The slug.
     * @return communityId The id or 0.
     */
    function communityIdBySlug(string calldata slug) external view returns (uint256 communityId);

    /**
     * @notice Number of attested members of `communityId`.
     * @param communityId The community (must exist).
     * @return count The count.
     */
    function memberCount(uint256 communityId) external view returns (uint256 count);
}
