// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICommunityRegistry} from "./interfaces/ICommunityRegistry.sol";
import {KhoStrings} from "./libraries/KhoStrings.sol";

/**
 * @title CommunityRegistry
 * @author Kho
 * @notice See {ICommunityRegistry}. The admin (DEFAULT_ADMIN_ROLE) has a single emergency power: adding a steward
 * to a community whose stewards lost their keys. It cannot remove stewards or edit members directly, but a steward it
 * adds (possibly itself) has every steward power, so the admin key must be held by a multisig or timelock.
 * GOVERNOR_ROLE recognizes communities, revokes recognition and slashes bonds (see docs/contracts.md for the
 * challenge path that leads to a slash).
 */
contract CommunityRegistry is ICommunityRegistry, AccessControlDefaultAdminRules, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Largest member batch accepted by {addMembers} / {removeMembers}.
    uint256 public constant MAX_BATCH_SIZE = 200;

    /// @notice Role of the keys that recognize communities, revoke recognition and slash bonds.
    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");

    /// @notice The token bonds are posted in.
    IERC20 private immutable _BOND_TOKEN;
    /// @notice The smallest bond a recognized community holds.
    uint256 private immutable _MIN_BOND;

    /// @notice A community as stored (the id is the mapping key).
    struct CommunityRecord {
        string slug;
        string locale;
        string metadataURI;
        address creator;
        uint64 createdAt;
        uint256 stewardCount;
        uint256 memberCount;
    }

    /// @notice Communities ever created (the highest id); written by createCommunity.
    uint256 private _communityCount;
    /// @notice Each community's data and counters; written by createCommunity and its stewards.
    mapping(uint256 communityId => CommunityRecord record) private _communities;
    /// @notice Community id by the hash of its ASCII-lower-cased slug; written once by createCommunity.
    mapping(bytes32 foldedSlugHash => uint256 communityId) private _idBySlug;
    /// @notice Stewards of each community; written by stewards (and the admin's addSteward).
    mapping(uint256 communityId => mapping(address account => bool steward)) private _stewards;
    /// @notice Members each community's stewards attest; written by addMembers / removeMembers.
    mapping(uint256 communityId => mapping(address account => bool member)) private _members;
    /// @notice Each community's bond in token units; written by its stewards and slashed by the governor.
    mapping(uint256 communityId => uint256 bond) private _bonds;
    /// @notice Whether each community is recognized; written by the governor.
    mapping(uint256 communityId => bool recognized) private _recognized;

    modifier onlySteward(uint256 communityId) {
        _requireExists(communityId);
        if (!_stewards[communityId][msg.sender]) revert NotCommunitySteward(communityId, msg.sender);
        _;
    }

    /**
     * @param admin Holder of DEFAULT_ADMIN_ROLE (steward recovery and role management).
     * @param governor Holder of GOVERNOR_ROLE.
     * @param bondToken_ The token bonds are posted in.
     * @param minBond_ The smallest bond with which a community can be recognized.
     */
    constructor(
        address admin,
        address governor,
        IERC20 bondToken_,
        uint256 minBond_
    ) AccessControlDefaultAdminRules(0, admin) {
        if (governor == address(0)) revert ZeroAddress("governor");
        if (address(bondToken_) == address(0)) revert ZeroAddress("bondToken");
        _BOND_TOKEN = bondToken_;
        _MIN_BOND = minBond_;
        _grantRole(GOVERNOR_ROLE, governor);
    }

    /// @inheritdoc ICommunityRegistry
    function createCommunity(
        string calldata slug,
        string calldata locale,
        string calldata metadataURI
    ) external returns (uint256 communityId) {
        KhoStrings.checkSlug(slug);
        KhoStrings.checkLocale(locale);
        KhoStrings.checkURI("metadataURI", metadataURI);
        bytes32 slugHash = KhoStrings.foldedHash(slug);
        uint256 existing = _idBySlug[slugHash];
        if (existing != 0) revert SlugTaken(slug, existing);

        communityId = ++_communityCount;
        _idBySlug[slugHash] = communityId;
        CommunityRecord storage record = _communities[communityId];
        record.slug = slug;
        record.locale = locale;
        record.metadataURI = metadataURI;
        record.creator = msg.sender;
        record.createdAt = uint64(block.timestamp);
        record.stewardCount = 1;
        _stewards[communityId][msg.sender] = true;

        emit CommunityCreated(communityId, msg.sender, slug, locale, metadataURI);
        emit StewardAdded(communityId, msg.sender, msg.sender);
    }

    /// @inheritdoc ICommunityRegistry
    function addSteward(uint256 communityId, address account) external {
        _requireExists(communityId);
        if (!_stewards[communityId][msg.sender] && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotCommunitySteward(communityId, msg.sender);
        }
        if (account == address(0)) revert ZeroAddress("account");
        if (_stewards[communityId][account]) revert AlreadySteward(communityId, account);
        _stewards[communityId][account] = true;
        ++_communities[communityId].stewardCount;
        emit StewardAdded(communityId, account, msg.sender);
    }

    /// @inheritdoc ICommunityRegistry
    function removeSteward(uint256 communityId, address account) external onlySteward(communityId) {
        if (!_stewards[communityId][account]) revert NotSteward(communityId, account);
        CommunityRecord storage record = _communities[communityId];
        if (record.stewardCount == 1) revert LastSteward(communityId);
        _stewards[communityId][account] = false;
        --record.stewardCount;
        emit StewardRemoved(communityId, account, msg.sender);
    }

    /// @inheritdoc ICommunityRegistry
    function setMetadataURI(uint256 communityId, string calldata metadataURI) external onlySteward(communityId) {
        KhoStrings.checkURI("metadataURI", metadataURI);
        _communities[communityId].metadataURI = metadataURI;
        emit CommunityMetadataUpdated(communityId, metadataURI, msg.sender);
    }

    /// @inheritdoc ICommunityRegistry
    function addMembers(uint256 communityId, address[] calldata members) external onlySteward(communityId) {
        _checkBatch(members.length);
        mapping(address account => bool member) storage isMemberOf = _members[communityId];
        uint256 added = 0;
        for (uint256 i = 0; i < members.length; ++i) {
            address member = members[i];
            if (member == address(0)) revert ZeroAddress("member");
            if (isMemberOf[member]) continue;
            isMemberOf[member] = true;
            ++added;
            emit MemberAdded(communityId, member, msg.sender);
        }
        _communities[communityId].memberCount += added;
    }

    /// @inheritdoc ICommunityRegistry
    function removeMembers(uint256 communityId, address[] calldata members) external onlySteward(communityId) {
        _checkBatch(members.length);
        mapping(address account => bool member) storage isMemberOf = _members[communityId];
        uint256 removed = 0;
        for (uint256 i = 0; i < members.length; ++i) {
            address member = members[i];
            if (!isMemberOf[member]) continue;
            isMemberOf[member] = false;
            ++removed;
            emit MemberRemoved(communityId, member, msg.sender);
        }
        _communities[communityId].memberCount -= removed;
    }

    /// @inheritdoc ICommunityRegistry
    function postBond(uint256 communityId, uint256 amount) external nonReentrant onlySteward(communityId) {
        if (amount == 0) revert ZeroAmount();
        uint256 before = _BOND_TOKEN.balanceOf(address(this));
        _BOND_TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        // Bond what arrived, so a fee-on-transfer token cannot bond more than the registry holds.
        uint256 received = _BOND_TOKEN.balanceOf(address(this)) - before;
        if (received == 0) revert NothingReceived(amount);
        uint256 bond = _bonds[communityId] + received;
        _bonds[communityId] = bond;
        emit CommunityBondPosted(communityId, msg.sender, received, bond);
    }

    /// @inheritdoc ICommunityRegistry
    function withdrawBond(uint256 communityId, uint256 amount) external nonReentrant onlySteward(communityId) {
        if (_recognized[communityId]) revert CommunityIsRecognized(communityId);
        uint256 bond = _takeBond(communityId, amount);
        emit CommunityBondWithdrawn(communityId, msg.sender, amount, bond);
        _BOND_TOKEN.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ICommunityRegistry
    function recognize(uint256 communityId) external onlyRole(GOVERNOR_ROLE) {
        _requireExists(communityId);
        if (_recognized[communityId]) revert CommunityIsRecognized(communityId);
        uint256 bond = _bonds[communityId];
        if (bond < _MIN_BOND) revert BondBelowMinimum(communityId, bond, _MIN_BOND);
        _recognized[communityId] = true;
        emit CommunityRecognized(communityId, msg.sender);
    }

    /// @inheritdoc ICommunityRegistry
    function revokeRecognition(uint256 communityId) external onlyRole(GOVERNOR_ROLE) {
        _requireExists(communityId);
        if (!_recognized[communityId]) revert CommunityNotRecognized(communityId);
        _recognized[communityId] = false;
        emit CommunityRecognitionRevoked(communityId, msg.sender);
    }

    /// @inheritdoc ICommunityRegistry
    function slashBond(
        uint256 communityId,
        uint256 amount,
        address recipient
    ) external nonReentrant onlyRole(GOVERNOR_ROLE) {
        _requireExists(communityId);
        if (recipient == address(0)) revert ZeroAddress("recipient");
        _takeBond(communityId, amount);
        if (_recognized[communityId]) {
            _recognized[communityId] = false;
            emit CommunityRecognitionRevoked(communityId, msg.sender);
        }
        emit CommunityBondSlashed(communityId, amount, recipient);
        _BOND_TOKEN.safeTransfer(recipient, amount);
    }

    /// @inheritdoc ICommunityRegistry
    function isRecognized(uint256 communityId) external view returns (bool recognized) {
        _requireExists(communityId);
        return _recognized[communityId];
    }

    /// @inheritdoc ICommunityRegistry
    function bondOf(uint256 communityId) external view returns (uint256 bond) {
        _requireExists(communityId);
        return _bonds[communityId];
    }

    /// @inheritdoc ICommunityRegistry
    function minBond() external view returns (uint256 amount) {
        return _MIN_BOND;
    }

    /// @inheritdoc ICommunityRegistry
    function bondToken() external view returns (address token_) {
        return address(_BOND_TOKEN);
    }

    /// @inheritdoc ICommunityRegistry
    function isMember(uint256 communityId, address account) external view returns (bool member) {
        _requireExists(communityId);
        return _members[communityId][account];
    }

    /// @inheritdoc ICommunityRegistry
    function isSteward(uint256 communityId, address account) external view returns (bool steward) {
        _requireExists(communityId);
        return _stewards[communityId][account];
    }

    /// @inheritdoc ICommunityRegistry
    function communityExists(uint256 communityId) external view returns (bool exists) {
        return _exists(communityId);
    }

    /// @inheritdoc ICommunityRegistry
    function getCommunity(uint256 communityId) external view returns (Community memory community) {
        _requireExists(communityId);
        CommunityRecord storage record = _communities[communityId];
        return
            Community({
                id: communityId,
                slug: record.slug,
                locale: record.locale,
                metadataURI: record.metadataURI,
                creator: record.creator,
                createdAt: record.createdAt,
                stewardCount: record.stewardCount,
                memberCount: record.memberCount
            });
    }

    /// @inheritdoc ICommunityRegistry
    function communityCount() external view returns (uint256 count) {
        return _communityCount;
    }

    /// @inheritdoc ICommunityRegistry
    function communityIdBySlug(string calldata slug) external view returns (uint256 communityId) {
        return _idBySlug[KhoStrings.foldedHash(slug)];
    }

    /// @inheritdoc ICommunityRegistry
    function memberCount(uint256 communityId) external view returns (uint256 count) {
        _requireExists(communityId);
        return _communities[communityId].memberCount;
    }

    /// @dev Lowers the bond of `communityId` by `amount` and returns what is left.
    function _takeBond(uint256 communityId, uint256 amount) private returns (uint256 bond) {
        if (amount == 0) revert ZeroAmount();
        bond = _bonds[communityId];
        if (amount > bond) revert InsufficientBond(communityId, bond, amount);
        // amount <= bond, checked above.
        unchecked {
            bond -= amount;
        }
        _bonds[communityId] = bond;
    }

    function _requireExists(uint256 communityId) private view {
        if (!_exists(communityId)) revert CommunityNotFound(communityId);
    }

    function _exists(uint256 communityId) private view returns (bool) {
        return communityId != 0 && communityId <= _communityCount;
    }

    function _checkBatch(uint256 size) private pure {
        if (size == 0 || size > MAX_BATCH_SIZE) revert InvalidBatchSize(size, MAX_BATCH_SIZE);
    }
}
